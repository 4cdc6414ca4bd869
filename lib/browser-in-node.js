// What Node gets for `import 'focusclip/browser'`: the browser build needs navigator.gpu and
// cannot reach Dawn or files, so the import fails here with the entry to use instead.
throw new Error(
  "focusclip/browser is the browser build and does not run in Node. In Node import 'focusclip' (or 'focusclip/node'): " +
    'the same library with WebGPU through Dawn (the "webgpu" package) and the file helpers.',
);
