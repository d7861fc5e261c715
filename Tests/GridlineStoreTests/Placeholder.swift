import XCTest

final class GridlineStorePlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
