//! The one table of host-backed objects JS refers to by number (bodies,
//! fetches in flight, keys, digest contexts, coders): one id space for all
//! of them, ids handed out once and never again within an instance, so an id
//! that outlived its object (a late FinalizationRegistry callback, a stale
//! id in JS) finds nothing rather than someone else's object, and an id of
//! one kind never reaches an object of another. A lookup that finds nothing
//! is `None`; the caller turns it into the API's own error.
//!
//! Generic over the entry type, so the rules are unit-tested on their own
//! (the engine's unit tests run natively: `just test`).

use std::collections::BTreeMap;

/// The table's entry type: an enum with one variant per kind of object.
pub trait Entry {
    /// What the object is, for the build's report of objects left open.
    fn describe(&self) -> &'static str;
}

/// One kind of object: a variant of the entry type `E`.
pub trait Kind<E>: Sized {
    /// The variant's index, below `KINDS` (for the per-kind counts).
    const KIND: usize;
    fn wrap(self) -> E;
    fn of(entry: &E) -> Option<&Self>;
    fn of_mut(entry: &mut E) -> Option<&mut Self>;
    fn take(entry: E) -> Result<Self, E>;
}

/// Kinds a table can count (the entry enum's variants).
pub const KINDS: usize = 8;

pub struct Handles<E> {
    /// Ordered by id, which is creation order: the event loop sees bodies
    /// and fetches in the order they were made, as before the table.
    entries: BTreeMap<u32, E>,
    /// The next id; 0 is never handed out (JS uses it for "none").
    next: u32,
    counts: [usize; KINDS],
}

impl<E: Entry> Handles<E> {
    pub const fn new() -> Self {
        Handles { entries: BTreeMap::new(), next: 1, counts: [0; KINDS] }
    }

    /// Keeps `value` under a new id.
    pub fn insert<T: Kind<E>>(&mut self, value: T) -> Result<u32, String> {
        let id = self.next;
        if id == u32::MAX {
            return Err("this instance has used up its object ids".into());
        }
        self.next += 1;
        self.entries.insert(id, value.wrap());
        self.counts[T::KIND] += 1;
        Ok(id)
    }

    /// The object `id` if it is alive and of kind `T`.
    pub fn get<T: Kind<E>>(&self, id: u32) -> Option<&T> {
        self.entries.get(&id).and_then(T::of)
    }

    pub fn get_mut<T: Kind<E>>(&mut self, id: u32) -> Option<&mut T> {
        self.entries.get_mut(&id).and_then(T::of_mut)
    }

    /// Takes object `id` out if it is of kind `T`; one of another kind stays.
    pub fn remove<T: Kind<E>>(&mut self, id: u32) -> Option<T> {
        self.get::<T>(id)?;
        let entry = self.entries.remove(&id)?;
        self.counts[T::KIND] -= 1;
        T::take(entry).ok()
    }

    /// The live objects of kind `T`, by id.
    pub fn iter<'a, T: Kind<E> + 'a>(&'a self) -> impl Iterator<Item = (u32, &'a T)> {
        self.entries.iter().filter_map(|(&id, entry)| Some((id, T::of(entry)?)))
    }

    pub fn count<T: Kind<E>>(&self) -> usize {
        self.counts[T::KIND]
    }

    /// Drops every object of kind `T`, in id order.
    pub fn clear<T: Kind<E>>(&mut self) {
        if self.counts[T::KIND] > 0 {
            self.entries.retain(|_, entry| T::of(entry).is_none());
            self.counts[T::KIND] = 0;
        }
    }

    /// How many objects of each kind are alive: `[(what, count)]`.
    pub fn summary(&self) -> Vec<(&'static str, usize)> {
        let mut summary: Vec<(&'static str, usize)> = Vec::new();
        for entry in self.entries.values() {
            let what = entry.describe();
            match summary.iter_mut().find(|(w, _)| *w == what) {
                Some((_, n)) => *n += 1,
                None => summary.push((what, 1)),
            }
        }
        summary
    }
}

/// Implements `Kind` for each variant of an entry enum (`Enum::Variant(Type) = index`).
#[macro_export]
macro_rules! handle_kinds {
    ($entry:ident { $($variant:ident($ty:ty) = $index:literal),* $(,)? }) => {
        // Each kind counts in a slot of its own: checked when compiling.
        const _: () = {
            let indexes = [$($index),*];
            let mut i = 0;
            while i < indexes.len() {
                assert!(indexes[i] < $crate::handles::KINDS, "a kind index is over KINDS");
                let mut j = i + 1;
                while j < indexes.len() {
                    assert!(indexes[i] != indexes[j], "two kinds share an index");
                    j += 1;
                }
                i += 1;
            }
        };
        $(impl $crate::handles::Kind<$entry> for $ty {
            const KIND: usize = $index;
            fn wrap(self) -> $entry { $entry::$variant(self) }
            fn of(entry: &$entry) -> Option<&Self> {
                match entry { $entry::$variant(v) => Some(v), #[allow(unreachable_patterns)] _ => None }
            }
            fn of_mut(entry: &mut $entry) -> Option<&mut Self> {
                match entry { $entry::$variant(v) => Some(v), #[allow(unreachable_patterns)] _ => None }
            }
            fn take(entry: $entry) -> Result<Self, $entry> {
                match entry { $entry::$variant(v) => Ok(v), #[allow(unreachable_patterns)] other => Err(other) }
            }
        })*
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    enum Thing {
        Key(Key),
        Body(Body),
    }
    struct Key(&'static str);
    struct Body(u8);
    mod kinds {
        use super::*;
        crate::handle_kinds!(Thing { Key(Key) = 0, Body(Body) = 1 });
    }
    impl Entry for Thing {
        fn describe(&self) -> &'static str {
            match self {
                Thing::Key(_) => "a key",
                Thing::Body(_) => "a body",
            }
        }
    }

    #[test]
    fn ids_are_never_reused_and_never_zero() {
        let mut table = Handles::<Thing>::new();
        let a = table.insert(Key("a")).unwrap();
        assert_ne!(a, 0);
        assert_eq!(table.remove::<Key>(a).map(|k| k.0), Some("a"));
        let b = table.insert(Key("b")).unwrap();
        assert_ne!(a, b, "a freed id was handed out again");
        // The stale id finds nothing, not the new key.
        assert!(table.get::<Key>(a).is_none());
        assert!(table.remove::<Key>(a).is_none());
        assert_eq!(table.get::<Key>(b).map(|k| k.0), Some("b"));
    }

    #[test]
    fn an_id_of_another_kind_finds_nothing_and_stays() {
        let mut table = Handles::<Thing>::new();
        let key = table.insert(Key("k")).unwrap();
        let body = table.insert(Body(7)).unwrap();
        assert!(table.get::<Body>(key).is_none());
        assert!(table.get_mut::<Key>(body).is_none());
        assert!(table.remove::<Body>(key).is_none());
        assert_eq!(table.get::<Key>(key).map(|k| k.0), Some("k"), "a wrong-kind remove took the key");
        assert!(table.get::<Key>(9999).is_none());
        assert_eq!((table.count::<Key>(), table.count::<Body>()), (1, 1));
    }

    #[test]
    fn iteration_is_by_id_and_clear_drops_one_kind() {
        let mut table = Handles::<Thing>::new();
        let ids: Vec<u32> = (0..5).map(|n| table.insert(Body(n)).unwrap()).collect();
        let key = table.insert(Key("k")).unwrap();
        table.remove::<Body>(ids[2]).unwrap();
        let seen: Vec<(u32, u8)> = table.iter::<Body>().map(|(id, b)| (id, b.0)).collect();
        assert_eq!(seen, vec![(ids[0], 0), (ids[1], 1), (ids[3], 3), (ids[4], 4)]);
        assert_eq!(table.summary(), vec![("a body", 4), ("a key", 1)]);
        table.clear::<Body>();
        assert_eq!(table.count::<Body>(), 0);
        assert!(table.get::<Key>(key).is_some());
        assert_eq!(table.summary(), vec![("a key", 1)]);
        table.remove::<Key>(key).unwrap();
        assert!(table.summary().is_empty());
    }
}
