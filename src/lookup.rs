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

/// The `len` of a slot whose name is longer than [`INLINE`].
const LONG: u8 = u8::MAX;

/// The `id` of a free slot.
const FREE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    id: u32,
    hash: u32,
    /// The name's length, or [`LONG`].
    len: u8,
    /// The caller's flag for this name (for example: declared).
    flag: bool,
    /// The name, zero-padded, when it is short enough.
    text: [u8; INLINE],
}

const FREE_SLOT: Slot = Slot {
    id: FREE,
    hash: 0,
    len: 0,
    flag: false,
    text: [0; INLINE],
};

/// Names to ids; the caller keeps the names' text and the ids.
#[derive(Debug, Clone, Default)]
pub struct NameTable {
    slots: Vec<Slot>,
    len: usize,
}

/// A name as the table compares it: its hash and its padded text.
struct Key {
    hash: u32,
    len: u8,
    text: [u8; INLINE],
}

impl Key {
    fn of(name: &str) -> Key {
        let bytes = name.as_bytes();
        let mut text = [0; INLINE];
        let len = if bytes.len() <= INLINE {
            text[..bytes.len()].copy_from_slice(bytes);
            bytes.len() as u8
        } else {
            LONG
        };
        Key {
            hash: hash(bytes),
            len,
            text,
        }
    }
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
            if slot.hash == key.hash
                && slot.len == key.len
                && slot.text == key.text
                && (key.len != LONG || same(slot.id))
            {
                return Some((slot.id, slot.flag));
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
            hash: key.hash,
            len: key.len,
            flag,
            text: key.text,
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
        let mut at = self.home(slot.hash);
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

/// A name's hash: eight bytes a step, each mixed in with a rotate, an xor
/// and a multiply; the length last, so that names differing in trailing
/// zero bytes differ.
fn hash(bytes: &[u8]) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h = (h.rotate_left(5) ^ bytes.len() as u64).wrapping_mul(K);
    (h >> 32) as u32
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

    #[test]
    fn an_empty_table_finds_nothing() {
        assert_eq!(NameTable::default().get("a", |_| true), None);
        assert!(NameTable::default().is_empty());
    }
}
