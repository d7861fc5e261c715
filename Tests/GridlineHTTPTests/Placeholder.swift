import XCTest

final class GridlineHTTPPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
