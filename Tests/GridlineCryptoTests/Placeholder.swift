import XCTest

final class GridlineCryptoPlaceholder: XCTestCase {
    func testModuleBuilds() {}
}
