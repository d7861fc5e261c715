import XCTest

final class GridlineLoopPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
