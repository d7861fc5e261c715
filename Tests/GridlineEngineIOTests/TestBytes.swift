/// Bytes of a string literal, so expectations read as the wire text.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The wire text of bytes, for readable failure messages.
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
