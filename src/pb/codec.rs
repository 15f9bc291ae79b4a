//! The gRPC codec of `broadsheet.v1`: prost's, except that a message's buffer is sized to
//! the message before it is encoded.
//!
//! tonic starts every message in an 8 KiB buffer, and prost writes into it field by field,
//! so a reply carrying a 135 KB book grew it by reallocating and copying several times
//! (2.5 % of the server's time exporting the seed with a lead image as EPUB, in perf). One
//! `reserve` of the encoded length, which prost computes cheaply from the message's
//! fields, makes it one allocation. Decoding is prost's own.

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, EncodeBuf, Encoder};
use tonic_prost::{ProstCodec, ProstDecoder};

/// The codec that build.rs names for every method of the service, server and client.
#[derive(Debug, Clone)]
pub struct SizedCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for SizedCodec<T, U> {
    fn default() -> Self {
        SizedCodec {
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for SizedCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = SizedEncoder<T>;
    type Decoder = ProstDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        SizedEncoder { _type: PhantomData }
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstCodec::<T, U>::raw_decoder(BufferSettings::default())
    }
}

/// Encodes `T` into a buffer reserved to its encoded length.
#[derive(Debug, Clone)]
pub struct SizedEncoder<T> {
    _type: PhantomData<T>,
}

impl<T: Message> Encoder for SizedEncoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: T, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.reserve(item.encoded_len());
        item.encode(buf)
            .map_err(|error| Status::internal(format!("encoding the message: {error}")))
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}
