// What a bundler targeting the browser gets for `import 'focusclip/node'`: the Node build needs
// Dawn and node:fs, so the import fails here with the entry to use instead.
throw new Error(
  "focusclip/node is the Node build and does not run in a browser. In a browser import 'focusclip' " +
    "(bundlers pick the browser build by the \"browser\" condition) or 'focusclip/browser'.",
);
