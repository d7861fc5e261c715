import XCTest

final class GridlineJSONPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
