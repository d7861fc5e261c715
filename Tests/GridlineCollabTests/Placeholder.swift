import XCTest

final class GridlineCollabPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
