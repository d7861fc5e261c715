import XCTest
@testable import GridlineCollab

final class ConnectionListTests: XCTestCase {
    func testKeepsArrivalOrderAndRemovesTheOldestStillOpen() {
        var list = ConnectionList()
        for id: UInt64 in 1...5 { list.append(id) }
        list.remove(1)
        list.remove(3)
        XCTAssertEqual(Array(list), [2, 4, 5])
        XCTAssertEqual(list.removeOldest(), 2)
        XCTAssertEqual(list.removeOldest(), 4)
        XCTAssertEqual(list.count, 1)
        list.append(9)
        XCTAssertEqual(Array(list), [5, 9])
    }

    func testManyInsertsAndRemovalsStayConsistent() {
        var list = ConnectionList()
        var model: [UInt64] = []
        var generator = SystemRandomNumberGenerator()
        for id: UInt64 in 0..<20_000 {
            list.append(id)
            model.append(id)
            if Bool.random(using: &generator), let victim = model.randomElement(using: &generator) {
                list.remove(victim)
                model.removeAll { $0 == victim }
            }
        }
        XCTAssertEqual(Array(list), model)
        XCTAssertEqual(list.count, model.count)
    }
}
