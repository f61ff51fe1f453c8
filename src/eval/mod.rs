//! Evaluation against hand-labelled gold files (ANNOTATION.md): runs the
//! production pipeline on each gold text and scores entities, roles, actor
//! countries and frames.
