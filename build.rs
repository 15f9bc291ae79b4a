//! Compiles `proto/` into Rust with protox (no system `protoc`) and tonic-prost-build, and
//! writes the encoded descriptor set that reflection and the JSON mapping read at run time.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/broadsheet/v1/broadsheet.proto";
    println!("cargo:rerun-if-changed=proto");

    let descriptors = protox::compile([proto], ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("broadsheet_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;

    tonic_prost_build::configure()
        // prost's codec, with each message's buffer sized before it is encoded.
        .codec_path("crate::pb::codec::SizedCodec")
        .bytes(".broadsheet.v1.Image.data")
        .bytes(".broadsheet.v1.ExportResponse.content")
        .bytes(".broadsheet.v1.ExportChunk.data")
        .compile_fds(descriptors)?;
    Ok(())
}
