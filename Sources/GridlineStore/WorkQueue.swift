import Foundation

/// The hand-off between submitting threads and one worker thread: a mutex-guarded FIFO
/// and a condition variable the worker sleeps on while the queue is empty.
// @unchecked: `items` and `stopped` are only read or written while `condition` is held.
final class WorkQueue<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0
    private var stopped = false

    /// Appends `item` and wakes the worker; false when the queue was stopped (the item is
    /// not enqueued and the caller must fail it itself).
    ///
    /// Only the push onto an empty queue signals: the worker sleeps only then, and a woken
    /// worker takes everything queued by the time it runs. The signal follows the unlock, so
    /// the worker does not wake only to block on the mutex the pusher still holds.
    func push(_ item: Item) -> Bool {
        condition.lock()
        guard !stopped else {
            condition.unlock()
            return false
        }
        items.append(item)
        let wasEmpty = items.count - head == 1
        condition.unlock()
        if wasEmpty { condition.signal() }
        return true
    }

    /// What `popBatch` found.
    enum Pop {
        case batch(ArraySlice<Item>)
        /// Nothing arrived within the time allowed.
        case quiet
        /// Stopped and drained: the worker's cue to exit.
        case stopped
    }

    /// Blocks until there is work (at most `quietAfter` seconds when given), then takes up to
    /// `max` items in FIFO order.
    func popBatch(max: Int, quietAfter seconds: Double?) -> Pop {
        condition.lock()
        defer { condition.unlock() }
        let deadline = seconds.map { Date(timeIntervalSinceNow: $0) }
        while head == items.count && !stopped {
            if let deadline {
                if !condition.wait(until: deadline) && head == items.count && !stopped { return .quiet }
            } else {
                condition.wait()
            }
        }
        let available = items.count - head
        guard available > 0 else { return .stopped }
        let end = head + min(available, max)
        let batch = items[head..<end]
        head = end
        if head == items.count {
            // Drained: start a fresh buffer so the slice handed out keeps the old one
            // alive alone and appends never copy.
            items = []
            head = 0
        } else if head > 4096 {
            items.removeFirst(head)
            head = 0
        }
        return .batch(batch)
    }

    /// Blocks until there is work, then takes up to `max` items; nil once stopped and drained.
    func popBatch(max: Int) -> ArraySlice<Item>? {
        guard case .batch(let batch) = popBatch(max: max, quietAfter: nil) else { return nil }
        return batch
    }

    /// Refuses new items; the worker still drains what is queued.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }
}
