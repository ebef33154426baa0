use std::fmt;

/// ORM cascade rules of a relationship, in SQLAlchemy's vocabulary.
///
/// They describe what the ORM does to related objects; they create nothing in the database.
/// `delete-orphan` is the one rule the schema checks care about: it is refused on the many side
/// of a many-to-one relationship, as SQLAlchemy refuses it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cascade(u8);

impl Cascade {
    /// `save-update`.
    pub const SAVE_UPDATE: Cascade = Cascade(1);
    /// `merge`.
    pub const MERGE: Cascade = Cascade(1 << 1);
    /// `expunge`.
    pub const EXPUNGE: Cascade = Cascade(1 << 2);
    /// `delete`.
    pub const DELETE: Cascade = Cascade(1 << 3);
    /// `delete-orphan`.
    pub const DELETE_ORPHAN: Cascade = Cascade(1 << 4);
    /// `refresh-expire`.
    pub const REFRESH_EXPIRE: Cascade = Cascade(1 << 5);
    /// `all`: save-update, merge, refresh-expire, expunge, delete.
    pub const ALL: Cascade = Cascade(1 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 5);
    /// No rule at all.
    pub const NONE: Cascade = Cascade(0);
    /// SQLAlchemy's default when `cascade` is not given: save-update, merge.
    pub const DEFAULT: Cascade = Cascade(1 | 1 << 1);

    const NAMES: [(&'static str, Cascade); 6] = [
        ("save-update", Cascade::SAVE_UPDATE),
        ("merge", Cascade::MERGE),
        ("expunge", Cascade::EXPUNGE),
        ("delete", Cascade::DELETE),
        ("delete-orphan", Cascade::DELETE_ORPHAN),
        ("refresh-expire", Cascade::REFRESH_EXPIRE),
    ];

    /// Rebuilds a set from its bits (used by generated code).
    pub const fn from_bits(bits: u8) -> Cascade {
        Cascade(bits & 0b11_1111)
    }

    /// The bits of the set.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every rule of `other` is in `self`.
    pub const fn contains(self, other: Cascade) -> bool {
        self.0 & other.0 == other.0
    }

    /// The rules in SQLAlchemy's spelling.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(_, c)| self.contains(*c))
            .map(|(n, _)| *n)
            .collect()
    }
}

impl Default for Cascade {
    fn default() -> Self {
        Cascade::DEFAULT
    }
}

impl fmt::Debug for Cascade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cascade({:?})", self.names().join(", "))
    }
}
