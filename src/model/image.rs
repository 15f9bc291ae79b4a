//! Image sniffing: the format and dimensions of an image, read from its header before
//! anything is decoded, so a bomb is refused without allocating its pixels.

use std::fmt;

/// The image formats Broadsheet accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG (JFIF or Exif).
    Jpeg,
    /// GIF 87a or 89a.
    Gif,
    /// WebP (lossy, lossless or extended).
    Webp,
}

impl ImageFormat {
    /// The media type, for example "image/png".
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Gif => "GIF",
            ImageFormat::Webp => "WebP",
        })
    }
}

/// What the header of an image says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) format: ImageFormat,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// Whether `data` starts as a WebP file does.
pub(crate) fn is_webp(data: &[u8]) -> bool {
    data.len() >= 12 && data.starts_with(b"RIFF") && data.get(8..12) == Some(b"WEBP")
}

/// Reads the format from the magic bytes and the dimensions from the header.
pub(crate) fn sniff(data: &[u8]) -> Result<Header, String> {
    let format = if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        ImageFormat::Gif
    } else if is_webp(data) {
        ImageFormat::Webp
    } else {
        return Err("is not a PNG, JPEG, GIF or WebP image (judged by its first bytes)".to_owned());
    };
    let size = imagesize::blob_size(data)
        .map_err(|e| format!("is a damaged {format} image: its header cannot be read ({e})"))?;
    let (width, height) = match (u32::try_from(size.width), u32::try_from(size.height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => {
            return Err(format!(
                "is a {format} image with impossible dimensions {}×{}",
                size.width, size.height
            ));
        }
    };
    Ok(Header {
        format,
        width,
        height,
    })
}

impl super::Image {
    /// Decodes the image, within [`super::limits::MAX_IMAGE_DECODE_BYTES`] of memory: the one
    /// place renderers that need pixels get them.
    pub fn decode(&self) -> Result<image::DynamicImage, String> {
        let format = match self.format {
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Gif => image::ImageFormat::Gif,
            ImageFormat::Webp => image::ImageFormat::WebP,
        };
        let mut reader =
            image::ImageReader::with_format(std::io::Cursor::new(&self.data[..]), format);
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(super::limits::MAX_IMAGE_DECODE_BYTES);
        reader.limits(limits);
        reader
            .decode()
            .map_err(|e| format!("the {} image could not be decoded: {e}", self.format))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG signature and IHDR chunk claiming the given size, with no pixel data.
    pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    #[test]
    fn reads_png_dimensions_without_decoding() {
        let header = sniff(&png_header(30_000, 30_000)).unwrap();
        assert_eq!(header.format, ImageFormat::Png);
        assert_eq!((header.width, header.height), (30_000, 30_000));
    }

    #[test]
    fn rejects_what_is_not_an_image() {
        assert!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        assert!(sniff(b"").is_err());
        assert!(sniff(b"\x89PNG\r\n\x1a\n").is_err());
        assert!(sniff(&png_header(0, 10)).is_err());
    }

    #[test]
    fn reads_gif_and_webp_headers() {
        let gif = b"GIF89a\x10\x00\x20\x00\x00\x00\x00";
        let header = sniff(gif).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (ImageFormat::Gif, 16, 32)
        );
        let mut webp = b"RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f".to_vec();
        // 14-bit width-1 and height-1, little endian: 99×49.
        let bits: u32 = 98 | (48 << 14);
        webp.extend_from_slice(&bits.to_le_bytes());
        let header = sniff(&webp).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (ImageFormat::Webp, 99, 49)
        );
    }
}
