//! The transformer engine on rust-bert (libtorch), behind the `transformers`
//! cargo feature.
