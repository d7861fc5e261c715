import GridlineJSON

/// A client's JSON message after the envelope checks of SPEC §4: an object with a string
/// `type` and an optional `request_id` of at most 64 characters.
public struct IncomingMessage: Sendable {
    public let type: String
    public let body: JSONObject
    public let requestID: String?

    public static func parse(_ bytes: [UInt8]) throws(MessageError) -> IncomingMessage {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw MessageError(.INVALID_JSON, "message is not valid JSON: \(error.description)")
        }
        guard case .object(let body) = value else {
            throw MessageError(.INVALID_MESSAGE, "message must be a JSON object, got \(value.typeName)")
        }
        var requestID: String?
        if let raw = body["request_id"], !raw.isNull {
            guard let id = raw.stringValue, id.count <= 64 else {
                throw .invalid("request_id", "must be a string of at most 64 characters")
            }
            requestID = id
        }
        guard let type = body["type"]?.stringValue else {
            var error = MessageError.invalid("type", body["type"] == nil ? "is required" : "must be a string")
            error.requestID = requestID
            throw error
        }
        return IncomingMessage(type: type, body: body, requestID: requestID)
    }

    // MARK: Field access with INVALID_MESSAGE errors that name the field.

    public func string(_ field: String, maxLength: Int = 256) throws(MessageError) -> String {
        guard let value = body[field], !value.isNull else { throw .invalid(field, "is required") }
        guard let text = value.stringValue else { throw .invalid(field, "must be a string, got \(value.typeName)") }
        guard !text.isEmpty else { throw .invalid(field, "must not be empty") }
        guard text.utf8.count <= maxLength else { throw .invalid(field, "must be at most \(maxLength) bytes") }
        return text
    }

    public func optionalString(_ field: String, maxLength: Int = 256) throws(MessageError) -> String? {
        guard let value = body[field], !value.isNull else { return nil }
        return try string(field, maxLength: maxLength)
    }

    public func number(_ field: String) throws(MessageError) -> Double {
        guard let value = body[field], !value.isNull else { throw .invalid(field, "is required") }
        guard let number = value.doubleValue else { throw .invalid(field, "must be a number, got \(value.typeName)") }
        return number
    }

    public func integer(_ field: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws(MessageError) -> Int64 {
        guard let value = body[field], !value.isNull else { throw .invalid(field, "is required") }
        guard let number = value.int64Value else { throw .invalid(field, "must be an integer, got \(value.typeName)") }
        guard range.contains(number) else { throw .invalid(field, "must be in \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    public func optionalInteger(_ field: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws(MessageError) -> Int64? {
        guard let value = body[field], !value.isNull else { return nil }
        return try integer(field, in: range)
    }

    public func optionalObject(_ field: String) throws(MessageError) -> JSONObject? {
        guard let value = body[field], !value.isNull else { return nil }
        guard let object = value.objectValue else { throw .invalid(field, "must be an object, got \(value.typeName)") }
        return object
    }

    public func optionalStringList(_ field: String, maxCount: Int = 64) throws(MessageError) -> [String]? {
        guard let value = body[field], !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw .invalid(field, "must be an array of strings, got \(value.typeName)") }
        guard items.count <= maxCount else { throw .invalid(field, "must have at most \(maxCount) entries") }
        var out: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw .invalid(field, "must contain only strings") }
            out.append(text)
        }
        return out
    }
}
