package io.moesim.simulator.engine;

import java.util.Arrays;

/**
 * A binary min-heap of events ordered by (time, priority, insertion order). Array-backed and
 * allocation-free per operation once grown.
 */
public final class EventQueue {

    private Event[] heap = new Event[64];
    private int size;

    /** Number of pending events. */
    public int size() {
        return size;
    }

    /** Whether no event is pending. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Adds a scheduled event. */
    public void add(Event event) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Event p = heap[parent];
            if (Event.compare(event, p) >= 0) {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = event;
    }

    /** The earliest event without removing it, or null. */
    public Event peek() {
        return size == 0 ? null : heap[0];
    }

    /** Removes and returns the earliest event, or null when empty. */
    public Event poll() {
        if (size == 0) {
            return null;
        }
        Event first = heap[0];
        Event last = heap[--size];
        heap[size] = null;
        if (size > 0) {
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                Event c = heap[child];
                int right = child + 1;
                if (right < size && Event.compare(heap[right], c) < 0) {
                    child = right;
                    c = heap[child];
                }
                if (Event.compare(last, c) <= 0) {
                    break;
                }
                heap[i] = c;
                i = child;
            }
            heap[i] = last;
        }
        return first;
    }
}
