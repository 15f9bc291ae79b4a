//! Removing TrueType hinting from embedded font subsets.
//!
//! Hinting instructions (the `fpgm`, `prep` and `cvt ` tables and each glyph's bytecode) fit
//! outlines to the pixel grid of low-resolution screens. PDF viewers scale and anti-alias
//! text and printers have resolution to spare, so the instructions only add weight: in
//! DejaVu they are a large share of every glyph. Outlines, metrics and everything else stay
//! as they are.

use std::collections::BTreeMap;

/// Tables that only serve hinting.
const HINTING_TABLES: [&[u8; 4]; 6] = [b"fpgm", b"prep", b"cvt ", b"hdmx", b"LTSH", b"VDMX"];

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// Returns the font without hinting, or `None` if it is not a TrueType font this can
/// read (CFF fonts have no such bytecode), in which case the caller keeps the original.
pub(super) fn strip(font: &[u8]) -> Option<Vec<u8>> {
    let count = usize::from(u16_at(font, 4)?);
    let mut tables: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
        let offset = u32_at(font, record + 8)? as usize;
        let length = u32_at(font, record + 12)? as usize;
        tables.insert(tag, font.get(offset..offset + length)?.to_vec());
    }
    let head = tables.get(b"head")?.clone();
    let glyphs = usize::from(u16_at(tables.get(b"maxp")?, 4)?);
    let long = u16_at(&head, 50)? == 1;
    let loca = tables.get(b"loca")?;
    let glyf = tables.get(b"glyf")?;
    let offset = |i: usize| -> Option<usize> {
        if long {
            u32_at(loca, 4 * i).map(|o| o as usize)
        } else {
            u16_at(loca, 2 * i).map(|o| usize::from(o) * 2)
        }
    };
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut new_loca = Vec::with_capacity(4 * (glyphs + 1));
    for i in 0..glyphs {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        let glyph = glyf.get(offset(i)?..offset(i + 1)?)?;
        if glyph.is_empty() {
            continue;
        }
        new_glyf.extend_from_slice(&without_instructions(glyph)?);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());

    let mut head = head;
    // Long offsets in `loca` from now on, and the checksum adjustment recomputed below.
    head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
    head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    tables.insert(*b"head", head);
    tables.insert(*b"glyf", new_glyf);
    tables.insert(*b"loca", new_loca);
    for tag in HINTING_TABLES {
        tables.remove(tag);
    }
    Some(assemble(font.get(0..4)?, &tables))
}

/// A glyph's data with its instructions removed.
fn without_instructions(glyph: &[u8]) -> Option<Vec<u8>> {
    let contours = i16::from_be_bytes(glyph.get(0..2)?.try_into().ok()?);
    if contours >= 0 {
        let at = 10 + 2 * usize::try_from(contours).ok()?;
        let length = usize::from(u16_at(glyph, at)?);
        let mut out = glyph.get(..at)?.to_vec();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(glyph.get(at + 2 + length..)?);
        return Some(out);
    }
    // A composite: walk the components, clear WE_HAVE_INSTRUCTIONS and drop the bytecode.
    let mut out = glyph.to_vec();
    let mut at = 10;
    loop {
        let flags = u16_at(&out, at)?;
        let cleared = flags & !0x0100;
        out.get_mut(at..at + 2)?
            .copy_from_slice(&cleared.to_be_bytes());
        at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
        at += if flags & 0x0008 != 0 {
            2
        } else if flags & 0x0040 != 0 {
            4
        } else if flags & 0x0080 != 0 {
            8
        } else {
            0
        };
        if flags & 0x0020 == 0 {
            break;
        }
    }
    out.truncate(at);
    Some(out)
}

/// Writes an sfnt from its tables, with checksums and the `head` checksum adjustment.
fn assemble(version: &[u8], tables: &BTreeMap<[u8; 4], Vec<u8>>) -> Vec<u8> {
    fn checksum(data: &[u8]) -> u32 {
        data.chunks(4).fold(0u32, |sum, chunk| {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            sum.wrapping_add(u32::from_be_bytes(word))
        })
    }
    let count = tables.len() as u16;
    let entry_selector = 15 - count.leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(version);
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&entry_selector.to_be_bytes());
    out.extend_from_slice(&(count * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for data in tables.values() {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        if let Some(slot) = out.get_mut(at + 8..at + 12) {
            slot.copy_from_slice(&adjustment.to_be_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustybuzz::ttf_parser::{Face, GlyphId, OutlineBuilder};

    #[derive(Default, PartialEq, Debug)]
    struct Points(Vec<(i32, i32)>);

    impl OutlineBuilder for Points {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.push((x as i32, y as i32));
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.push((x as i32, y as i32));
        }
        fn quad_to(&mut self, _: f32, _: f32, x: f32, y: f32) {
            self.0.push((x as i32, y as i32));
        }
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, x: f32, y: f32) {
            self.0.push((x as i32, y as i32));
        }
        fn close(&mut self) {}
    }

    #[test]
    fn keeps_every_outline_and_drops_the_hinting() {
        let original = dejavu::serif::regular();
        let stripped = strip(original).expect("DejaVu is TrueType");
        assert!(
            stripped.len() < original.len(),
            "{} → {}",
            original.len(),
            stripped.len()
        );
        let (before, after) = (
            Face::parse(original, 0).unwrap(),
            Face::parse(&stripped, 0).unwrap(),
        );
        assert!(
            after
                .raw_face()
                .table(rustybuzz::ttf_parser::Tag::from_bytes(b"fpgm"))
                .is_none()
        );
        for c in ['a', 'é', 'Ж', 'Ω', '‑', '“', 'ﬁ'] {
            let glyph: GlyphId = before.glyph_index(c).unwrap();
            let (mut a, mut b) = (Points::default(), Points::default());
            before.outline_glyph(glyph, &mut a);
            after.outline_glyph(glyph, &mut b);
            assert_eq!(a, b, "{c}");
            assert_eq!(
                before.glyph_hor_advance(glyph),
                after.glyph_hor_advance(glyph)
            );
        }
    }
}
