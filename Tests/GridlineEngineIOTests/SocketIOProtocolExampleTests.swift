import XCTest
@testable import GridlineEngineIO

/// The encoded packets of the socket.io-protocol README ("Packet encoding / Examples" and
/// "Sample session"), verbatim: each decodes to the packet the README describes and encodes back
/// to the same bytes.
final class SocketIOProtocolExampleTests: XCTestCase {
    private func assertRoundTrip(_ wire: String, file: StaticString = #filePath, line: UInt = #line) throws -> SocketIOPacket {
        let packet = try SocketIOPacket.decode(bytes(wire))
        var encoded: [UInt8] = []
        packet.encode(into: &encoded)
        XCTAssertEqual(text(encoded), "4" + wire, file: file, line: line)
        return packet
    }

    // "Connection to a namespace": `0`, `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`.
    func testConnectExamples() throws {
        let main = try assertRoundTrip("0")
        XCTAssertEqual(main, SocketIOPacket(type: .connect))
        let admin = try assertRoundTrip(#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#)
        XCTAssertEqual(admin.namespace, "/admin")
        XCTAssertEqual(text(admin.data), #"{"sid":"oSO0OpakMV_3jnilAAAA"}"#)
    }

    // "in case the connection is refused": `4{"message":"Not authorized"}`.
    func testConnectErrorExample() throws {
        let packet = try assertRoundTrip(#"4{"message":"Not authorized"}"#)
        XCTAssertEqual(packet.type, .connectError)
        var out: [UInt8] = []
        SocketIOPacket.encodeConnectError(message: "Not authorized", into: &out)
        XCTAssertEqual(text(out), #"44{"message":"Not authorized"}"#)
    }

    // "Sending and receiving data": `2["foo"]`, `2/admin,["bar"]`.
    func testEventExamples() throws {
        let foo = try assertRoundTrip(#"2["foo"]"#)
        XCTAssertEqual(foo.eventName, "foo")
        XCTAssertEqual(foo.arguments, [])
        XCTAssertNil(foo.firstArgument)
        let bar = try assertRoundTrip(#"2/admin,["bar"]"#)
        XCTAssertEqual(bar.namespace, "/admin")
        XCTAssertEqual(bar.eventName, "bar")
        var out: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "foo", into: &out)
        XCTAssertEqual(text(out), #"42["foo"]"#)
    }

    // "with binary data" and "with multiple attachments".
    func testBinaryEventExamplesAreIdentifiedWithTheirAttachmentCount() throws {
        let one = try assertRoundTrip(#"51-["baz",{"_placeholder":true,"num":0}]"#)
        XCTAssertEqual(one.type, .binaryEvent)
        XCTAssertEqual(one.attachments, 1)
        XCTAssertEqual(one.eventName, "baz")
        XCTAssertEqual(one.arguments.map { text($0) }, [#"{"_placeholder":true,"num":0}"#])
        let two = try assertRoundTrip(#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        XCTAssertEqual(two.attachments, 2)
        XCTAssertEqual(two.namespace, "/admin")
        XCTAssertEqual(two.arguments.count, 2)
        XCTAssertTrue(two.type.isBinary)
    }

    // "Acknowledgement": `212["foo"]`, `3/admin,13["bar"]`, `61-15["bar",{"_placeholder":true,"num":0}]`.
    func testAcknowledgementExamples() throws {
        let event = try assertRoundTrip(#"212["foo"]"#)
        XCTAssertEqual(event.ackID, 12)
        XCTAssertEqual(event.eventName, "foo")
        let ack = try assertRoundTrip(#"3/admin,13["bar"]"#)
        XCTAssertEqual(ack.type, .ack)
        XCTAssertEqual(ack.ackID, 13)
        XCTAssertEqual(ack.arguments.map { text($0) }, [#""bar""#])
        let binaryAck = try assertRoundTrip(#"61-15["bar",{"_placeholder":true,"num":0}]"#)
        XCTAssertEqual(binaryAck.type, .binaryAck)
        XCTAssertEqual(binaryAck.attachments, 1)
        XCTAssertEqual(binaryAck.ackID, 15)
        XCTAssertEqual(binaryAck.arguments.count, 2)
    }

    // "Disconnection from a namespace": `1`, `1/admin,`.
    func testDisconnectExamples() throws {
        XCTAssertEqual(try assertRoundTrip("1"), SocketIOPacket(type: .disconnect))
        let admin = try assertRoundTrip("1/admin,")
        XCTAssertEqual(admin, SocketIOPacket(type: .disconnect, namespace: "/admin"))
        var out: [UInt8] = []
        SocketIOPacket.encodeDisconnect(into: &out)
        XCTAssertEqual(text(out), "41")
    }

    // "Sample session", requests n°2 to n°4 and the WebSocket frames of n°6.
    func testSampleSessionPackets() throws {
        XCTAssertEqual(try SocketIOPacket.decode(bytes("0")).type, .connect)
        var connect: [UInt8] = []
        SocketIOPacket.encodeConnect(sid: "wZX3oN0bSVIhsaknAAAI", into: &connect)
        XCTAssertEqual(text(connect), #"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#)
        var hey: [UInt8] = []
        SocketIOPacket.encodeEvent(name: "hey", argumentJSON: bytes(#""Jude""#), into: &hey)
        XCTAssertEqual(text(hey), #"42["hey","Jude"]"#)

        let adminConnect = try SocketIOPacket.decode(bytes("0/admin,"))
        XCTAssertEqual(adminConnect, SocketIOPacket(type: .connect, namespace: "/admin"))
        let granted = try assertRoundTrip(#"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#)
        XCTAssertEqual(granted.namespace, "/admin")
        let tellme = try assertRoundTrip(#"2/admin,1["tellme"]"#)
        XCTAssertEqual(tellme.ackID, 1)
        XCTAssertEqual(tellme.eventName, "tellme")
        let binaryAck = try assertRoundTrip(#"61-/admin,1[{"_placeholder":true,"num":0}]"#)
        XCTAssertEqual(binaryAck.type, .binaryAck)
        XCTAssertEqual(binaryAck.attachments, 1)
        XCTAssertEqual(binaryAck.namespace, "/admin")
        XCTAssertEqual(binaryAck.ackID, 1)
    }

    // "Sample session", request n°5: the POST body, through both layers.
    func testSampleSessionPostBodyDecodesToTwoEvents() throws {
        let packets = try EngineIOPayload.decode(bytes("42[\"hello\"]\u{1e}42[\"world\"]"))
        let names = try packets.map { try SocketIOPacket.decode($0.payload).eventName }
        XCTAssertEqual(names, ["hello", "world"])
    }
}
