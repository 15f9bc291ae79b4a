//! Images for the book: embedded as they came when possible, otherwise decoded and
//! re-encoded. WebP becomes PNG or JPEG (Kobo and Kindle do not show WebP); the e-ink
//! options scale images down and make them grayscale.

use image::DynamicImage;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;

use crate::model::{EpubOptions, Image, ImageFormat};

/// JPEG quality for re-encoded photographs: visually lossless on a reader's screen.
const JPEG_QUALITY: u8 = 85;

/// An image ready to go into the book.
pub(super) struct Prepared {
    pub(super) data: bytes::Bytes,
    pub(super) media_type: &'static str,
    pub(super) extension: &'static str,
}

/// Prepares an image for the book, or says why it cannot be used.
pub(super) fn prepare(image: &Image, options: &EpubOptions) -> Result<Prepared, String> {
    if !options.transforms_images() && image.format != ImageFormat::Webp {
        return Ok(Prepared {
            data: image.data.clone(),
            media_type: image.format.media_type(),
            extension: image.format.extension(),
        });
    }
    let mut decoded = image.decode()?;
    if let Some(max) = options.max_image_width
        && decoded.width() > max
    {
        decoded = decoded.resize(max, decoded.height(), FilterType::CatmullRom);
    }
    if options.grayscale {
        decoded = decoded.grayscale();
    }
    let photo = matches!(image.format, ImageFormat::Jpeg | ImageFormat::Webp);
    if photo && !decoded.color().has_alpha() {
        encode_jpeg(&decoded)
    } else {
        encode_png(&decoded)
    }
}

fn encode_jpeg(image: &DynamicImage) -> Result<Prepared, String> {
    let mut data = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut data, JPEG_QUALITY);
    let result = if image.color().has_color() {
        image.to_rgb8().write_with_encoder(encoder)
    } else {
        image.to_luma8().write_with_encoder(encoder)
    };
    result.map_err(|e| format!("the image could not be encoded as JPEG: {e}"))?;
    Ok(Prepared {
        data: data.into(),
        media_type: "image/jpeg",
        extension: "jpg",
    })
}

fn encode_png(image: &DynamicImage) -> Result<Prepared, String> {
    let mut data = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut data, CompressionType::Fast, PngFilter::Adaptive);
    image
        .write_with_encoder(encoder)
        .map_err(|e| format!("the image could not be encoded as PNG: {e}"))?;
    Ok(Prepared {
        data: data.into(),
        media_type: "image/png",
        extension: "png",
    })
}
