import XCTest
@testable import GridlineEngineIO

final class SocketIOPacketDecodingTests: XCTestCase {
    private func assertRefused(_ wire: String, with expected: SocketIOError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SocketIOPacket.decode(bytes(wire)), wire, file: file, line: line) {
            XCTAssertEqual($0 as? SocketIOError, expected, wire, file: file, line: line)
        }
    }

    func testEventGivesItsNameAndTheRawFirstArgument() throws {
        let packet = try SocketIOPacket.decode(bytes(#"2["cell_update",{"sheet_id":"s1","value":"a,b]","nested":[{"x":[1,2]}]}]"#))
        XCTAssertEqual(packet.type, .event)
        XCTAssertEqual(packet.namespace, "/")
        XCTAssertNil(packet.ackID)
        XCTAssertEqual(packet.eventName, "cell_update")
        XCTAssertEqual(packet.firstArgument.map { text($0) }, #"{"sheet_id":"s1","value":"a,b]","nested":[{"x":[1,2]}]}"#)
    }

    func testEventWithAckIDAndSeveralArguments() throws {
        let packet = try SocketIOPacket.decode(bytes(#"2421["join", {"room_id" : "r"} , 3.5e-2, null, true, false, "x\"y"]"#))
        XCTAssertEqual(packet.ackID, 421)
        XCTAssertEqual(packet.arguments.map { text($0) }, [#"{"room_id" : "r"}"#, "3.5e-2", "null", "true", "false", #""x\"y""#])
    }

    func testWhitespaceAroundTheDataIsTrimmed() throws {
        let packet = try SocketIOPacket.decode(bytes("2 \t\r\n[\"a\" , 1 ]\n"))
        XCTAssertEqual(text(packet.data), "[\"a\" , 1 ]")
        XCTAssertEqual(packet.arguments.map { text($0) }, ["1"])
    }

    func testEventNameEscapesAreUnescaped() throws {
        let cases: [(String, String)] = [
            (#"2["a\"b"]"#, "a\"b"),
            (#"2["back\\slash\/"]"#, "back\\slash/"),
            (#"2["\b\f\n\r\t"]"#, "\u{8}\u{c}\n\r\t"),
            (#"2["\u0063ell_updated"]"#, "cell_updated"),
            (#"2["\u00e9\u00E9"]"#, "éé"),
            (#"2["\u20ac"]"#, "€"),
            (#"2["\ud83d\ude00 smile"]"#, "😀 smile"),
            (#"2["\u0000"]"#, "\u{0}"),
        ]
        for (wire, name) in cases {
            XCTAssertEqual(try SocketIOPacket.decode(bytes(wire)).eventName, name, wire)
        }
    }

    func testUnicodeEventNamesPassThroughAsUTF8() throws {
        for name in ["hücre_güncellendi", "更新", "😀", "ä\u{301}"] {
            var wire: [UInt8] = []
            SocketIOPacket.encodeEvent(name: name, argumentJSON: bytes("{}"), into: &wire)
            let packet = try SocketIOPacket.decode(wire.dropFirst())
            XCTAssertEqual(packet.eventName, name)
            XCTAssertEqual(packet.firstArgument.map { text($0) }, "{}")
        }
    }

    func testLoneSurrogatesAndInvalidUTF8NamesAreRefused() {
        assertRefused(#"2["\ud83d"]"#, with: .invalidEventName)
        assertRefused(#"2["\ude00x"]"#, with: .invalidEventName)
        assertRefused(#"2["\ud83d\u0041"]"#, with: .invalidEventName)
        XCTAssertThrowsError(try SocketIOPacket.decode([0x32, 0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D])) {
            XCTAssertEqual($0 as? SocketIOError, .invalidEventName)
        }
    }

    func testNonStringEventNamesAreRefused() {
        for wire in [#"2[1,"a"]"#, #"2[null]"#, #"2[["a"]]"#, #"2[{"a":1}]"#, #"2[true]"#] {
            assertRefused(wire, with: .eventNameNotString)
        }
    }

    func testReservedEventNamesAreRefused() {
        for name in ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"] {
            assertRefused("2[\"\(name)\"]", with: .reservedEventName(name))
        }
        XCTAssertNoThrow(try SocketIOPacket.decode(bytes(#"2["Connect"]"#)))
    }

    func testEmptyAndUnknownTypesAreRefused() {
        XCTAssertThrowsError(try SocketIOPacket.decode([UInt8]())) { XCTAssertEqual($0 as? SocketIOError, .emptyPacket) }
        assertRefused("7[\"a\"]", with: .unknownPacketType(UInt8(ascii: "7")))
        assertRefused("[\"a\"]", with: .unknownPacketType(UInt8(ascii: "[")))
        assertRefused("x", with: .unknownPacketType(UInt8(ascii: "x")))
    }

    func testPayloadShapeIsCheckedPerType() {
        assertRefused("2", with: .invalidPayload)
        assertRefused("2[]", with: .invalidPayload)
        assertRefused(#"2{"a":1}"#, with: .invalidPayload)
        assertRefused(#"2"a""#, with: .invalidPayload)
        assertRefused("3", with: .invalidPayload)
        assertRefused(#"3{"a":1}"#, with: .invalidPayload)
        assertRefused(#"0["a"]"#, with: .invalidPayload)
        assertRefused(#"0"token""#, with: .invalidPayload)
        assertRefused("0null", with: .invalidPayload)
        assertRefused("1{}", with: .invalidPayload)
        assertRefused("4", with: .invalidPayload)
        assertRefused("4[1]", with: .invalidPayload)
        XCTAssertNoThrow(try SocketIOPacket.decode(bytes("31[]")))
        XCTAssertNoThrow(try SocketIOPacket.decode(bytes(#"4"Not authorized""#)))
        XCTAssertNoThrow(try SocketIOPacket.decode(bytes("0{}")))
    }

    func testNonJSONDataIsRefused() {
        for wire in ["2[\"a\"", "2[\"a\",]", "2[\"a\" 1]", "2[\"a\"]]", "2[\"a\"]x", "2['a']", "2[\"a\",01]",
                     "2[\"a\",1.]", "2[\"a\",-]", "2[\"a\",1e]", "2[\"a\",tru]", "2[\"a\",nul]", "2[\"a\",{1:2}]",
                     "2[\"a\",{\"k\" 2}]", "2[\"a\",{\"k\":}]", "2[\"a\\x\"]", "2[\"a\\u12g4\"]", "2[\"a\u{1}\"]",
                     "2[\"a\",NaN]", "2[\"a\",+1]", "0{\"a\":1}{}"] {
            assertRefused(wire, with: .malformedJSON)
        }
    }

    func testNestingBeyondTheLimitIsRefusedWithoutRecursingForever() {
        let deep = "2[\"a\"," + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "]"
        assertRefused(deep, with: .nestingTooDeep)
        let fine = "2[\"a\"," + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "]"
        XCTAssertNoThrow(try SocketIOPacket.decode(bytes(fine)))
    }

    func testBinaryAttachmentHeadersAreCheckedLikeSocketIOParser() throws {
        assertRefused(#"5["a"]"#, with: .invalidAttachments)
        assertRefused(#"5-["a"]"#, with: .invalidAttachments)
        assertRefused(#"51["a"]"#, with: .invalidAttachments)
        assertRefused("51", with: .invalidAttachments)
        assertRefused(#"5x-["a"]"#, with: .invalidAttachments)
        assertRefused(#"511-["a"]"#, with: .tooManyAttachments(11))
        assertRefused(#"599999999999999999999999-["a"]"#, with: .tooManyAttachments(99))
        XCTAssertEqual(try SocketIOPacket.decode(bytes(#"510-["a"]"#)).attachments, 10)
        XCTAssertEqual(try SocketIOPacket.decode(bytes(#"60-[]"#)).attachments, 0)
    }

    func testOtherNamespacesAreReportedForTheServerToRefuse() throws {
        let connect = try SocketIOPacket.decode(bytes(#"0/admin,{"token":"123"}"#))
        XCTAssertEqual(connect.namespace, "/admin")
        XCTAssertFalse(connect.isDefaultNamespace)
        XCTAssertEqual(try SocketIOPacket.decode(bytes("0/admin")).namespace, "/admin")
        XCTAssertEqual(try SocketIOPacket.decode(bytes(#"2/ü/x,5["e"]"#)).namespace, "/ü/x")
        XCTAssertTrue(try SocketIOPacket.decode(bytes(#"2["e"]"#)).isDefaultNamespace)
    }

    func testAckIDsUpToTheSafeIntegerLimitAreAccepted() throws {
        XCTAssertEqual(try SocketIOPacket.decode(bytes("39007199254740991[]")).ackID, 9_007_199_254_740_991)
        XCTAssertEqual(try SocketIOPacket.decode(bytes("30[]")).ackID, 0)
        assertRefused("39007199254740992[]", with: .invalidAckID)
        assertRefused("3999999999999999999999999[]", with: .invalidAckID)
    }

    func testEveryProperPrefixOfAnEventIsRefused() {
        let wire = bytes(#"21["cell_update",{"v":"x\"]\u00e9","n":[1,-2.5e3,{"a":null}]},"é"]"#)
        XCTAssertNoThrow(try SocketIOPacket.decode(wire))
        for cut in 0..<wire.count {
            XCTAssertThrowsError(try SocketIOPacket.decode(wire[..<cut]), "cut at \(cut)")
        }
    }

    func testDecodingASliceOfALargerBufferReturnsSlicesOfIt() throws {
        let frame = bytes(#"42["e",{"k":1}]"#)
        let packet = try SocketIOPacket.decode(frame[1...])
        XCTAssertEqual(packet.firstArgument?.startIndex, 7)
        XCTAssertEqual(packet.firstArgument.map { text($0) }, #"{"k":1}"#)
    }

    func testLargeArgumentIsBoundedWithoutCopying() throws {
        var wire = bytes(#"2["cells",["#)
        for number in 0..<200_000 { wire += bytes(number == 0 ? #""c\"0""# : #",{"v":"\u00e9\#(number)"}"#) }
        wire += bytes("]]")
        let packet = try SocketIOPacket.decode(wire)
        XCTAssertEqual(packet.eventName, "cells")
        XCTAssertEqual(packet.firstArgument?.startIndex, 10)
        XCTAssertEqual(packet.firstArgument?.endIndex, wire.count - 1)
    }
}
