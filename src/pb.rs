//! The generated protobuf and gRPC types of `broadsheet.v1`, and the encoded descriptor set
//! that reflection and the JSON mapping read. Always named with their path (`pb::Article`);
//! the domain types in [`crate::model`] have no prefix. [`codec`] is the gRPC codec they
//! travel in.

#![allow(
    missing_docs,
    unreachable_pub,
    clippy::doc_lazy_continuation,
    clippy::large_enum_variant
)]

pub mod codec;

tonic::include_proto!("broadsheet.v1");

/// The encoded `FileDescriptorSet` of `proto/`, imports included.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/broadsheet_descriptor.bin"));
