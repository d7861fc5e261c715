import Foundation
import GridlineTestSupport
import XCTest
@testable import GridlineLoop

/// Echoes what it reads back to the peer.
private final class Echo: ConnectionDelegate {
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        connection.write(Array(bytes))
        return bytes.count
    }
    func connectionDidClose(_ connection: Connection) {}
}

/// Collects what it reads and reports when `expected` bytes arrived.
private final class Collector: ConnectionDelegate {
    var received: [UInt8] = []
    let expected: Int
    let done: DispatchSemaphore
    init(expected: Int, done: DispatchSemaphore) {
        self.expected = expected
        self.done = done
    }
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        received.append(contentsOf: bytes)
        if received.count >= expected { done.signal() }
        return bytes.count
    }
    func connectionDidClose(_ connection: Connection) {}
}

final class OutboundConnectTests: XCTestCase {
    private var harness: LoopHarness!
    private var loop: EventLoop! { harness.loop }

    override func setUpWithError() throws {
        harness = try LoopHarness()
    }

    override func tearDown() {
        harness.stop()
    }

    private func onLoop<T>(_ body: @escaping () throws -> T) throws -> T {
        try harness.run(body)
    }

    func testConnectReachesALoopbackListenerAndCarriesBytesBothWays() throws {
        let loop = self.loop!
        let port = try onLoop { try loop.listen(host: "127.0.0.1", port: 0) { $0.delegate = Echo() }.port }
        let done = DispatchSemaphore(value: 0)
        let collector = Collector(expected: 5, done: done)
        nonisolated(unsafe) var calledInline = true
        nonisolated(unsafe) var peer = ""
        try onLoop {
            loop.connect(host: "127.0.0.1", port: port, timeout: 2) { result in
                guard case .success(let connection) = result else { return XCTFail("\(result)") }
                peer = connection.peerAddress
                connection.delegate = collector
                connection.write(Array("hello".utf8))
            }
            calledInline = false
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertFalse(calledInline, "completion runs in a later pass, never inside connect")
        try onLoop {
            XCTAssertEqual(String(decoding: collector.received, as: UTF8.self), "hello")
            XCTAssertEqual(peer, "127.0.0.1")
            XCTAssertEqual(loop.connectionCount, 2, "the outbound connection and the accepted one")
        }
    }

    func testAConnectionWhoseIdIsAMultipleOfTwoToThe32IsStillRead() throws {
        // Cluster nodes start their ids at random << 32 (SPEC §15): the first connection's
        // epoll tag must still name it, or its bytes are never read and the loop spins.
        let loop = self.loop!
        try onLoop { loop.startConnectionIDs(at: 7 << 32) }
        let port = try onLoop { try loop.listen(host: "127.0.0.1", port: 0) { $0.delegate = Echo() }.port }
        let done = DispatchSemaphore(value: 0)
        let collector = Collector(expected: 4, done: done)
        nonisolated(unsafe) var id: UInt64 = 0
        try onLoop {
            loop.connect(host: "127.0.0.1", port: port, timeout: 2) { result in
                guard case .success(let connection) = result else { return XCTFail("\(result)") }
                id = connection.id
                connection.delegate = collector
                connection.write(Array("ping".utf8))
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success, "the echo came back")
        try onLoop {
            XCTAssertEqual(String(decoding: collector.received, as: UTF8.self), "ping")
            // Accepted and outbound sides take ids 7 << 32 | 1 and | 2, in whichever order they register.
            XCTAssertEqual(id >> 32, 7)
            XCTAssertTrue([1, 2].contains(id & 0xFFFF_FFFF), "\(id & 0xFFFF_FFFF)")
        }
    }

    func testConnectToAPortNobodyListensOnFailsWithConnectionRefused() throws {
        let loop = self.loop!
        // Bind a port, then close it, so nothing listens there.
        let port = try onLoop { () throws -> UInt16 in
            let listener = try loop.listen(host: "127.0.0.1", port: 0) { _ in }
            loop.closeListeners()
            return listener.port
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: SocketError?
        try onLoop {
            loop.connect(host: "127.0.0.1", port: port, timeout: 2) { result in
                if case .failure(let error) = result { failure = error }
                done.signal()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(failure?.code, ECONNREFUSED)
        try onLoop { XCTAssertEqual(loop.connectionCount, 0) }
    }

    func testHostNameIsResolvedOffTheLoop() throws {
        let loop = self.loop!
        let port = try onLoop { try loop.listen(host: "127.0.0.1", port: 0) { $0.delegate = Echo() }.port }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var peer: String?
        try onLoop {
            loop.connect(host: "localhost", port: port, timeout: 2) { result in
                if case .success(let connection) = result {
                    peer = connection.peerAddress
                    connection.close()
                }
                done.signal()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(peer, "127.0.0.1")
    }

    func testUnknownHostNameFailsInsteadOfHanging() throws {
        let loop = self.loop!
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: SocketError?
        try onLoop {
            loop.connect(host: "no-such-host.invalid", port: 6379, timeout: 2) { result in
                if case .failure(let error) = result { failure = error }
                done.signal()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(failure?.call, "resolve no-such-host.invalid")
    }
}
