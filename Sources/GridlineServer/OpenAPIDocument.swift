import GridlineJSON

/// The OpenAPI 3 description of every REST endpoint (placeholder until written out).
enum OpenAPIDocument {
    static func document(version: String) -> JSONValue {
        ["openapi": "3.0.3", "info": ["title": "Gridline", "version": .string(version)], "paths": [:]]
    }
}
