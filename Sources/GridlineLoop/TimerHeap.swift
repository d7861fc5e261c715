/// A handle to a scheduled timer; cancelling it makes the loop skip it when it comes due.
public final class TimerHandle {
    public fileprivate(set) var isCancelled = false
    public func cancel() { isCancelled = true }
}

/// Timers ordered by deadline in a binary min-heap, checked once per loop pass.
struct TimerHeap {
    private struct Entry {
        let deadline: UInt64
        let order: UInt64  // ties fire in scheduling order
        let handle: TimerHandle
        let action: () -> Void
    }

    private var entries: [Entry] = []
    private var nextOrder: UInt64 = 0

    var count: Int { entries.count }
    var nextDeadline: UInt64? { entries.first?.deadline }

    mutating func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> TimerHandle {
        let handle = TimerHandle()
        entries.append(Entry(deadline: deadline, order: nextOrder, handle: handle, action: action))
        nextOrder &+= 1
        siftUp(entries.count - 1)
        return handle
    }

    /// Removes and returns the actions due at `now`, skipping cancelled ones.
    mutating func popDue(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = entries.first, first.deadline <= now {
            let entry = removeFirst()
            if !entry.handle.isCancelled { due.append(entry.action) }
        }
        return due
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = entries[a], y = entries[b]
        return x.deadline < y.deadline || (x.deadline == y.deadline && x.order < y.order)
    }

    private mutating func removeFirst() -> Entry {
        let first = entries[0]
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return first
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, less(left, smallest) { smallest = left }
            if right < entries.count, less(right, smallest) { smallest = right }
            if smallest == parent { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
