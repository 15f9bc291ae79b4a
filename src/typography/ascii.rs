//! Scans of text eight bytes at a time (SWAR, SIMD within a register), for the loops the text
//! path runs over every byte of an article: line breaking and word counting skip the letters
//! of a word with them, and wrapping finds the next character beyond ASCII. The bit tricks
//! live here once, with the tests that check them against reading a byte at a time.

/// The high bit of every byte of a word.
const HIGH: u64 = splat(0x80);

/// Eight copies of `byte`.
const fn splat(byte: u8) -> u64 {
    u64::from_le_bytes([byte; 8])
}

/// The eight bytes of `bytes` at `at` as a little-endian word (byte `at` lowest), if there
/// are eight.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// The high bit set in each byte of `word` that is an ASCII letter (`A`–`Z`, `a`–`z`), and
/// nothing else.
const fn letter_bytes(word: u64) -> u64 {
    // Setting bit 5 folds the capitals onto the small letters, and every other byte off
    // the range `a`–`z`. With the high bits cleared, adding cannot carry from one byte into
    // the next, and leaves the high bit set from `a` up and from `{` up respectively.
    let folded = (word | splat(0x20)) & !HIGH;
    let from_a = folded + splat(0x80 - b'a');
    let past_z = folded + splat(0x80 - b'{');
    from_a & !past_z & !word & HIGH
}

/// The offset of the first byte of `bytes` at or after `from` that is not an ASCII letter,
/// or the length of `bytes`.
pub(crate) fn letters_end(bytes: &[u8], from: usize) -> usize {
    find(
        bytes,
        from,
        |word| !letter_bytes(word) & HIGH,
        |byte| !byte.is_ascii_alphabetic(),
    )
}

/// The offset of the first byte of `bytes` at or after `from` that is not ASCII, or the
/// length of `bytes`.
pub(crate) fn first_wide(bytes: &[u8], from: usize) -> usize {
    find(bytes, from, |word| word & HIGH, |byte| !byte.is_ascii())
}

/// The offset of the first byte of `bytes` at or after `from` that `stops`, or the length of
/// `bytes` (`from` if beyond it). Whole words are read while there are eight bytes left,
/// `marks` setting the high bit of each byte of a word that stops; the last few bytes are
/// read one at a time with `stops`. The two must agree.
#[inline(always)]
fn find(
    bytes: &[u8],
    from: usize,
    marks: impl Fn(u64) -> u64,
    stops: impl Fn(u8) -> bool,
) -> usize {
    let mut at = from;
    while let Some(word) = word_at(bytes, at) {
        let marked = marks(word);
        if marked != 0 {
            return at + (marked.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .position(|&byte| stops(byte))
        .map_or(bytes.len().max(from), |offset| at + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of a word, beside letters and beside bytes that
    /// are not: the mask must neither miss a byte nor leak into its neighbours.
    #[test]
    fn the_letter_mask_agrees_with_a_byte_at_a_time_for_every_byte_in_every_place() {
        for fill in [b'a', b'Z', b' ', 0x00, 0x7f, 0x80, 0xff, b'@', b'['] {
            for place in 0..8 {
                for byte in 0..=255u8 {
                    let mut bytes = [fill; 8];
                    bytes[place] = byte;
                    let word = u64::from_le_bytes(bytes);
                    for (i, &b) in bytes.iter().enumerate() {
                        let bit = 0x80u64 << (8 * i);
                        assert_eq!(letter_bytes(word) & bit != 0, b.is_ascii_alphabetic());
                    }
                }
            }
        }
    }

    #[test]
    fn scans_stop_where_a_byte_at_a_time_does_from_anywhere() {
        let texts = [
            "",
            "a",
            "Kremlin",
            "the quick brown fox jumps over the lazy dog",
            "Four\u{2011}Hour talks in Moscow’s “Kremlin” — © 2026",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@[`{0123",
            "東京 Tokyo",
        ];
        for text in texts {
            let bytes = text.as_bytes();
            for from in 0..=bytes.len() + 1 {
                let letters = (from..bytes.len())
                    .find(|&i| !bytes[i].is_ascii_alphabetic())
                    .unwrap_or(bytes.len().max(from));
                assert_eq!(letters_end(bytes, from), letters, "{text:?} from {from}");
                let wide = (from..bytes.len())
                    .find(|&i| !bytes[i].is_ascii())
                    .unwrap_or(bytes.len().max(from));
                assert_eq!(first_wide(bytes, from), wide, "{text:?} from {from}");
            }
        }
    }
}
