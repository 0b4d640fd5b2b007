//! Intl.Segmenter: grapheme, word and sentence boundaries (UAX #29).

use super::{invalid, MAX_TEXT};
use crate::bindings::nano::platform::intl::{Granularity, IntlError, SegmentStart};
use icu::segmenter::options::{SentenceBreakInvariantOptions, WordBreakInvariantOptions};
use icu::segmenter::{GraphemeClusterSegmenter, SentenceSegmenter, WordSegmenter};

/// Segment starts in UTF-16 code units from the UTF-8 boundaries ICU4X
/// gives (which always fall between characters).
fn utf16_starts(input: &str, starts: impl Iterator<Item = (usize, bool)>) -> Vec<SegmentStart> {
    let mut out = Vec::new();
    let (mut byte, mut unit) = (0, 0u32);
    let mut chars = input.chars();
    for (start, word_like) in starts {
        while byte < start {
            let Some(c) = chars.next() else { break };
            byte += c.len_utf8();
            unit += c.len_utf16() as u32;
        }
        out.push(SegmentStart { index: unit, word_like });
    }
    out
}

/// Where the segments of `input` start (the boundary at the end dropped),
/// each with whether the segment is word-like.
pub fn segment(input: &str, granularity: Granularity) -> Result<Vec<SegmentStart>, IntlError> {
    if input.len() > MAX_TEXT {
        return Err(invalid(format!("at most {MAX_TEXT} bytes of text to segment at a time")));
    }
    // ICU4X reports each boundary with the kind of the segment before it;
    // a segment starts at each boundary but the last.
    let bounds: Vec<(usize, bool)> = match granularity {
        Granularity::Grapheme => GraphemeClusterSegmenter::new().segment_str(input).map(|b| (b, false)).collect(),
        Granularity::Sentence => SentenceSegmenter::new(SentenceBreakInvariantOptions::default())
            .segment_str(input)
            .map(|b| (b, false))
            .collect(),
        Granularity::Word => WordSegmenter::new_dictionary(WordBreakInvariantOptions::default())
            .segment_str(input)
            .iter_with_word_type()
            .map(|(b, kind)| (b, kind.is_word_like()))
            .collect(),
    };
    let starts = bounds.windows(2).map(|w| (w[0].0, w[1].1));
    Ok(utf16_starts(input, starts))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_count_utf16_units() {
        let starts = segment("a😀 b", Granularity::Grapheme).unwrap();
        assert_eq!(starts.iter().map(|s| s.index).collect::<Vec<_>>(), [0, 1, 3, 4]);
        let words = segment("Hi, you.", Granularity::Word).unwrap();
        assert_eq!(
            words.iter().map(|s| (s.index, s.word_like)).collect::<Vec<_>>(),
            [(0, true), (2, false), (3, false), (4, true), (7, false)]
        );
    }
}
