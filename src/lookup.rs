//! The table that finds a name's id: every query looks up three names and
//! its attributes' names, so this is on the path of every decision.
//!
//! On a large set, a look at a `HashMap<String, _>` costs three cache
//! misses one after the other: its control bytes, its bucket, and the key's
//! text on the heap. Here a name of up to [`INLINE`] bytes is kept in its
//! slot, 32 bytes aligned to 32 (never across two cache lines), so a look
//! costs one miss; a longer name is compared with its text where the caller
//! keeps it. Open addressing, linear probing, at most half full.
//!
//! The names come from the policy: whatever a query asks, it only looks up,
//! so it cannot lengthen a probe.

/// The longest name kept in the table itself.
pub const INLINE: usize = 22;

/// The length byte of a name longer than [`INLINE`].
const LONG: u64 = 0xFF;

/// The `id` of a free slot.
const FREE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    id: u32,
    /// The name's hash, with its lowest bit the caller's flag (for example:
    /// declared).
    tag: u32,
    /// The name in three little-endian words, zero-padded, its length in
    /// the last byte ([`LONG`] and no text for a longer name).
    words: [u64; 3],
}

const FREE_SLOT: Slot = Slot {
    id: FREE,
    tag: 0,
    words: [0; 3],
};

/// Names to ids; the caller keeps the names' text and the ids.
#[derive(Debug, Clone, Default)]
pub struct NameTable {
    slots: Vec<Slot>,
    len: usize,
}

/// A name as the table compares it: its hash (lowest bit clear) and words.
#[derive(Debug)]
struct Key {
    hash: u32,
    words: [u64; 3],
}

impl Key {
    #[inline]
    fn of(name: &str) -> Key {
        let bytes = name.as_bytes();
        if bytes.len() > INLINE {
            return Key {
                hash: long_hash(bytes) & !1,
                words: [0, 0, LONG << 56],
            };
        }
        let words = [
            word(bytes, 0),
            word(bytes, 8),
            word(bytes, 16) | (bytes.len() as u64) << 56,
        ];
        // a collision costs a look further on, never a wrong answer: the
        // words are compared in full
        let hash = {
            let h = fold(
                words[0] ^ 0x243f_6a88_85a3_08d3,
                words[1] ^ 0x1319_8a2e_0370_7344,
            );
            fold(h ^ words[2], 0xa409_3822_299f_31d0)
        };
        Key {
            hash: (hash >> 32) as u32 & !1,
            words,
        }
    }
}

/// The bytes of `bytes[at..at + 8]` that exist, as a little-endian word
/// with zeros past the end; read in at most two loads, without a loop.
#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    let n = bytes.len().saturating_sub(at).min(8);
    let b = &bytes[at.min(bytes.len())..];
    let u32_at = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().expect("four")));
    match n {
        8 => u64::from_le_bytes(b[..8].try_into().expect("eight")),
        // two loads of four that overlap: the bytes they share agree
        4..=7 => u32_at(0) | u32_at(n - 4) << ((n - 4) * 8),
        1..=3 => {
            u64::from(b[0])
                | u64::from(b[n / 2]) << (n / 2 * 8)
                | u64::from(b[n - 1]) << ((n - 1) * 8)
        }
        _ => 0,
    }
}

/// A 64-by-64-bit multiply, its two halves folded together: one multiply
/// that mixes every bit of both.
fn fold(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ (full >> 64) as u64
}

/// The hash of a name longer than [`INLINE`]: eight bytes a step.
fn long_hash(bytes: &[u8]) -> u32 {
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        h = fold(h ^ w, 0x4528_21e6_38d0_1377);
    }
    let last = word(chunks.remainder(), 0);
    (fold(h ^ last, 0xbe54_66cf_34e9_0c6c) >> 32) as u32
}

impl NameTable {
    /// The number of names in the table.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The id of `name` and its flag. `same(id)` tells whether the name
    /// with that id is `name`; it is asked only about names longer than
    /// [`INLINE`] whose hash matches.
    pub fn get(&self, name: &str, same: impl Fn(u32) -> bool) -> Option<(u32, bool)> {
        if self.slots.is_empty() {
            return None;
        }
        let key = Key::of(name);
        let mask = self.slots.len() - 1;
        let mut at = self.home(key.hash);
        loop {
            let slot = &self.slots[at];
            if slot.id == FREE {
                return None;
            }
            if slot.tag & !1 == key.hash
                && slot.words == key.words
                && (key.words[2] >> 56 != LONG || same(slot.id))
            {
                return Some((slot.id, slot.tag & 1 == 1));
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds a name the table does not hold, with its id and flag.
    pub fn insert(&mut self, name: &str, id: u32, flag: bool) {
        debug_assert!(id != FREE, "the id that marks a free slot");
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let key = Key::of(name);
        self.place(Slot {
            id,
            tag: key.hash | u32::from(flag),
            words: key.words,
        });
        self.len += 1;
    }

    fn home(&self, hash: u32) -> usize {
        // the top bits: the hash mixes most into them
        let bits = self.slots.len().trailing_zeros();
        (u64::from(hash) << bits >> 32) as usize
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(slot.tag);
        while self.slots[at].id != FREE {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }

    fn grow(&mut self) {
        let size = (2 * self.slots.len()).max(8);
        let old = std::mem::replace(&mut self.slots, vec![FREE_SLOT; size]);
        for slot in old.into_iter().filter(|s| s.id != FREE) {
            self.place(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(names: &[String]) -> NameTable {
        let mut t = NameTable::default();
        for (id, n) in names.iter().enumerate() {
            t.insert(n, id as u32, id % 3 == 0);
        }
        t
    }

    #[test]
    fn finds_every_name_it_holds_and_no_other() {
        // short, exactly INLINE, long, empty, and names that share prefixes
        let mut names: Vec<String> = (0..5000).map(|i| format!("name_{i}")).collect();
        names.push("x".repeat(INLINE));
        names.push("y".repeat(INLINE + 1));
        names.push(format!("{}a", "long_prefix_".repeat(4)));
        names.push(format!("{}b", "long_prefix_".repeat(4)));
        names.push(String::new());
        let t = table(&names);
        assert_eq!(t.len(), names.len());
        for (id, n) in names.iter().enumerate() {
            let same = |i: u32| names[i as usize] == *n;
            assert_eq!(t.get(n, same), Some((id as u32, id % 3 == 0)), "{n}");
        }
        for n in [
            "name_5000",
            "name_",
            "Name_1",
            &"x".repeat(INLINE - 1),
            &"y".repeat(INLINE + 2),
            &format!("{}c", "long_prefix_".repeat(4)),
            "name_1\0",
        ] {
            let same = |i: u32| names[i as usize] == n;
            assert_eq!(t.get(n, same), None, "{n:?}");
        }
    }

    #[test]
    fn a_long_name_is_told_apart_by_its_text() {
        // `same` says no: a long name whose hash matches is still not it
        let names = vec!["z".repeat(40)];
        let t = table(&names);
        assert_eq!(t.get(&names[0], |_| false), None);
        assert_eq!(t.get(&names[0], |_| true), Some((0, true)));
    }

    /// A name's words are its bytes, zero-padded, with its length: every
    /// length up to [`INLINE`] is read right, whatever the bytes around it.
    #[test]
    fn a_name_is_read_into_words_exactly() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        for len in 0..=INLINE {
            let name = &text[..len];
            let mut padded = [0u8; 24];
            padded[..len].copy_from_slice(name.as_bytes());
            padded[23] = len as u8;
            let words: Vec<u64> = padded
                .chunks(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect();
            // read from inside a longer text: nothing past its end counts
            assert_eq!(Key::of(name).words[..], words[..], "{name}");
        }
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        assert_eq!(NameTable::default().get("a", |_| true), None);
        assert!(NameTable::default().is_empty());
    }
}
