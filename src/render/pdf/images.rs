//! Image sniffing for the PDF writer: which images a PDF can take as they came (JPEG with
//! one or three components as DCTDecode, plain PNGs with their own compressed data under a
//! PNG predictor), read from their bytes without decoding.

/// A PNG whose compressed data a PDF can take as it is.
pub(super) struct PlainPng {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) colors: u8,
    pub(super) idat: Vec<u8>,
}

/// Reads a PNG that is 8-bit gray or RGB, not interlaced, without transparency or palette;
/// `None` for any other PNG, which is then decoded and re-encoded.
pub(super) fn plain_png(data: &[u8]) -> Option<PlainPng> {
    let mut at = 8;
    let mut header = None;
    let mut idat = Vec::new();
    while at + 8 <= data.len() {
        let length = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = data.get(at + 4..at + 8)?;
        let body = data.get(at + 8..at + 8 + length)?;
        match kind {
            b"IHDR" if body.len() == 13 => {
                let width = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let height = u32::from_be_bytes(body[4..8].try_into().ok()?);
                let (depth, color, interlace) = (body[8], body[9], body[12]);
                let colors = match color {
                    0 => 1,
                    2 => 3,
                    _ => return None,
                };
                if depth != 8 || interlace != 0 {
                    return None;
                }
                header = Some((width, height, colors));
            }
            b"tRNS" | b"PLTE" => return None,
            b"IDAT" => idat.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + length;
    }
    let (width, height, colors) = header?;
    (!idat.is_empty()).then_some(PlainPng {
        width,
        height,
        colors,
        idat,
    })
}

/// The number of colour components of a baseline or progressive JPEG, from its frame
/// header.
pub(super) fn jpeg_components(data: &[u8]) -> Option<u8> {
    let mut i = 2;
    while i + 9 < data.len() {
        if data[i] != 0xFF {
            return None;
        }
        let marker = data[i + 1];
        let length = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            return data.get(i + 9).copied();
        }
        i += 2 + length;
    }
    None
}
