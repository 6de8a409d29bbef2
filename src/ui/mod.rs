//! What the screens share: the [`palette`] (one colour convention), [`text`]
//! (the typeface, line breaking, numbers and labels), [`sizes`] scaled to the
//! frame, the [`skeleton`] drawn over a frame, the live display's [`banner`],
//! [`gauge`]s and [`hud`], and the [`window`] that shows frames and reads
//! keys. The live run, review and the prompts draw with these.

pub mod banner;
pub mod gauge;
pub mod hud;
pub mod page;
pub mod palette;
pub mod sizes;
pub mod skeleton;
pub mod text;
pub mod window;
