//! Enums that are written as names (in output records, data files, flags):
//! one macro gives each its `ALL`, `as_str`, `Display`, `FromStr` and serde
//! names from a single list, so the four can never disagree.

/// Declares a fieldless enum whose variants each have a name:
///
/// ```text
/// named_enum! {
///     /// What part a mention plays.
///     #[derive(PartialOrd, Ord)]
///     pub enum Role("role") {
///         Actor = "actor",
///         Place = "place",
///     }
/// }
/// ```
///
/// The enum derives `Debug, Clone, Copy, PartialEq, Eq, Hash` (more derives
/// may be given), and gets `ALL` (every variant, in order), `as_str`,
/// `Display`, `FromStr` (whose error, [`Error::UnknownName`], lists the
/// names) and `Serialize`/`Deserialize` as the name. The string after the
/// enum's name says what its values are, for that error.
///
/// [`Error::UnknownName`]: crate::error::Error::UnknownName
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $text:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The variant's name, as written in records, data files and flags.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::Error;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::Error::UnknownName {
                        what: $what,
                        name: s.to_string(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let name = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                name.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use named_enum;
