import XCTest
@testable import GridlineEngineIO

final class SocketIOPacketEncodingTests: XCTestCase {
    func testEventEncodesAsAnEngineIOMessageWithTheArgument() {
        var out: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "cell_updated", argumentJSON: bytes(#"{"type":"cell_updated","version":3}"#), into: &out)
        XCTAssertEqual(text(out), #"42["cell_updated",{"type":"cell_updated","version":3}]"#)
    }

    func testEventWithAckIDPutsTheIDBeforeTheArray() {
        var out: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "e", argumentJSON: bytes("1"), ackID: 7, into: &out)
        XCTAssertEqual(text(out), #"427["e",1]"#)
    }

    func testEventNameIsEscapedAsAJSONString() throws {
        var out: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "a\"b\\c\n\u{1}é", into: &out)
        XCTAssertEqual(text(out), #"42["a\"b\\c\n\u0001é"]"#)
        XCTAssertEqual(try SocketIOPacket.decode(out.dropFirst()).eventName, "a\"b\\c\n\u{1}é")
    }

    func testRecoveryEventAppendsTheOffsetAsTheLastArgument() throws {
        var out: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "cell_updated", argumentJSON: bytes(#"{"v":1}"#), offset: "MzUPkW0", into: &out)
        XCTAssertEqual(text(out), #"42["cell_updated",{"v":1},"MzUPkW0"]"#)
        let packet = try SocketIOPacket.decode(out.dropFirst())
        XCTAssertEqual(packet.arguments.map { text($0) }, [#"{"v":1}"#, #""MzUPkW0""#])
    }

    func testAckEncodesTheIDAndTheArgumentArray() {
        var out: [UInt8] = []
        SocketIOPacket.encodeAck(id: 12, argumentJSON: bytes(#"{"type":"room_state"}"#), into: &out)
        XCTAssertEqual(text(out), #"4312[{"type":"room_state"}]"#)
        out.removeAll()
        SocketIOPacket.encodeAck(id: 0, into: &out)
        XCTAssertEqual(text(out), "430[]")
        out.removeAll()
        SocketIOPacket.encodeAck(id: 9_007_199_254_740_991, into: &out)
        XCTAssertEqual(text(out), "439007199254740991[]")
    }

    func testConnectCarriesTheSidAndThePidWhenGiven() {
        var out: [UInt8] = []
        SocketIOPacket.encodeConnect(sid: "wZX3oN0bSVIhsaknAAAI", pid: "p1", into: &out)
        XCTAssertEqual(text(out), #"40{"sid":"wZX3oN0bSVIhsaknAAAI","pid":"p1"}"#)
    }

    func testConnectErrorCarriesMessageAndData() {
        var out: [UInt8] = []
        SocketIOPacket.encodeConnectError(message: "AUTHENTICATION_FAILED", dataJSON: bytes(#"{"code":"AUTHENTICATION_FAILED"}"#), into: &out)
        XCTAssertEqual(text(out), #"44{"message":"AUTHENTICATION_FAILED","data":{"code":"AUTHENTICATION_FAILED"}}"#)
    }

    // socket.io lib/client.ts, connect(): the refusal names the namespace it refuses.
    func testInvalidNamespaceRefusalNamesTheNamespace() throws {
        var out: [UInt8] = []
        SocketIOPacket.encodeConnectError(message: "Invalid namespace", namespace: "/admin", into: &out)
        XCTAssertEqual(text(out), #"44/admin,{"message":"Invalid namespace"}"#)
        let packet = try SocketIOPacket.decode(out.dropFirst())
        XCTAssertEqual(packet.type, .connectError)
        XCTAssertEqual(packet.namespace, "/admin")
    }

    func testEncodersAppendWithoutTouchingEarlierBytes() {
        var out = bytes("42[\"x\"]\u{1e}")
        SocketIOPacket.encodeEvent(name: "y", into: &out)
        XCTAssertEqual(text(out), "42[\"x\"]\u{1e}42[\"y\"]")
    }

    func testEncodersAcceptSlicesAndBufferArguments() {
        let source = bytes(##"#{"a":1}#"##)
        var fromSlice: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "e", argumentJSON: source[1..<(source.count - 1)], into: &fromSlice)
        var fromBuffer: [UInt8] = []
        source.withUnsafeBufferPointer { buffer in
            SocketIOPacket.encodeEvent(name: "e", argumentJSON: UnsafeBufferPointer(rebasing: buffer[1..<(buffer.count - 1)]), into: &fromBuffer)
        }
        XCTAssertEqual(text(fromSlice), #"42["e",{"a":1}]"#)
        XCTAssertEqual(fromBuffer, fromSlice)
    }

    func testEveryPacketTypeRoundTripsThroughEncodeAndDecode() throws {
        let packets: [SocketIOPacket] = [
            SocketIOPacket(type: .connect, data: bytes(#"{"token":"t"}"#)[...]),
            SocketIOPacket(type: .disconnect, namespace: "/admin"),
            SocketIOPacket(type: .event, ackID: 3, data: bytes(#"["e",1]"#)[...], eventName: "e", arguments: [bytes("1")[...]]),
            SocketIOPacket(type: .ack, ackID: 4, data: bytes("[2]")[...], arguments: [bytes("2")[...]]),
            SocketIOPacket(type: .connectError, data: bytes(#"{"message":"m"}"#)[...]),
            SocketIOPacket(type: .binaryEvent, attachments: 1, data: bytes(#"["b",{"_placeholder":true,"num":0}]"#)[...],
                           eventName: "b", arguments: [bytes(#"{"_placeholder":true,"num":0}"#)[...]]),
            SocketIOPacket(type: .binaryAck, attachments: 2, ackID: 5, data: bytes("[]")[...]),
        ]
        XCTAssertEqual(packets.map(\.type), SocketIOPacketType.allCases)
        for packet in packets {
            var wire: [UInt8] = []
            packet.encode(into: &wire)
            XCTAssertEqual(wire.first, UInt8(ascii: "4"))
            let engine = try EngineIOPacket.decode(text: wire)
            XCTAssertEqual(engine.type, .message)
            let decoded = try SocketIOPacket.decode(engine.payload)
            XCTAssertEqual(decoded.type, packet.type)
            XCTAssertEqual(decoded.namespace, packet.namespace)
            XCTAssertEqual(decoded.attachments, packet.attachments)
            XCTAssertEqual(decoded.ackID, packet.ackID)
            XCTAssertEqual(text(decoded.data), text(packet.data))
            XCTAssertEqual(decoded.eventName, packet.eventName)
            XCTAssertEqual(decoded.arguments.map { text($0) }, packet.arguments.map { text($0) })
        }
    }
}
