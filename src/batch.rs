//! Batch tagging: streams documents through the pipeline on worker threads
//! and writes one record per document, in input order.
