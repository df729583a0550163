#pragma once
// Hooks into the backward engine (src/autograd/engine.cpp) for code that runs during backward.
#include <functional>

namespace keel::autograd {

// Runs `callback` once when the backward pass running on this thread ends, after every
// gradient of that pass has been accumulated and before backward() returns (PyTorch's
// Variable._execution_engine.queue_callback). Callbacks run in the order they were queued; one
// may queue more. Call it from a hook or node during backward: outside one it is an error.
// If backward throws, its queued callbacks are dropped.
void queue_callback(std::function<void()> callback);

// True while a backward pass runs on this thread (inside hooks and nodes).
bool in_backward();

}  // namespace keel::autograd
