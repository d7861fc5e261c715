import XCTest

final class GridlineWebSocketPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
