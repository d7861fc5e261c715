/// A connection's `subscribe_notifications` filters (SPEC §8): a notification matches when each
/// non-empty list contains its value; an empty list matches everything.
public struct NotificationFilter: Sendable, Equatable {
    public var categories: [String]
    public var modules: [String]
    public var priorities: [String]

    public static let priorities: Set<String> = ["low", "normal", "high", "critical"]

    public init(categories: [String] = [], modules: [String] = [], priorities: [String] = []) {
        self.categories = categories
        self.modules = modules
        self.priorities = priorities
    }

    public func matches(category: String, module: String?, priority: String) -> Bool {
        (categories.isEmpty || categories.contains(category))
            && (modules.isEmpty || module.map(modules.contains) == true)
            && (priorities.isEmpty || priorities.contains(priority))
    }
}
