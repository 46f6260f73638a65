//! Generates the tonic client and server of the benchmark's `Echo` service with
//! `tonic_build::manual`: the messages are hand-written `prost` structs, so no `protoc` is needed.

fn main() {
    let method = |name: &str, route: &str, input: &str, output: &str| {
        tonic_build::manual::Method::builder()
            .name(name)
            .route_name(route)
            .input_type(input)
            .output_type(output)
            .codec_path("tonic_prost::ProstCodec")
            .build()
    };
    let service = tonic_build::manual::Service::builder()
        .name("Bench")
        .package("bench")
        .method(method(
            "add",
            "Add",
            "crate::stacks::grpc::AddRequest",
            "crate::stacks::grpc::AddReply",
        ))
        .method(method(
            "echo",
            "Echo",
            "crate::stacks::grpc::Blob",
            "crate::stacks::grpc::Blob",
        ))
        .build();
    tonic_build::manual::Builder::new().compile(&[service]);
}
