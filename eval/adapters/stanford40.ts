// Stanford 40 Actions, test split, full images (the paper's protocol).
//
// Layout: <root>/ImageSplits/actions.txt (header "action_name<TAB>number_of_images", then one
// action per line), <root>/ImageSplits/test.txt (one image name per line, e.g.
// "applauding_001.jpg"), <root>/JPEGImages/<name>.
//
// Class order = line order of actions.txt (alphabetical in the release). An image's class comes
// from its own file name: the name minus the trailing "_<number>.jpg" is the action, looked up in
// that list. The released FocusCLIP code built its prompts from `list(set(actions))`, an order
// unrelated to the label indices; here prompt c and label c are the same action by construction.

import { join } from 'node:path';
import type { EvalDataset } from '../types.js';
import { fileItem, limitItems, readLines, requirePath, Skips, words, type AdapterOptions } from './common.js';

export const STANFORD40_LAYOUT =
  'Stanford40 expects <root>/ImageSplits/actions.txt, <root>/ImageSplits/<split>.txt (image names such as applauding_001.jpg) and <root>/JPEGImages/ (the official Stanford40 download unpacked).';

export function stanford40(root: string, opts: AdapterOptions = {}): EvalDataset {
  const kind = 'stanford40';
  const split = String(opts.split ?? 'test');
  const actionsFile = requirePath(kind, join(root, 'ImageSplits', 'actions.txt'), STANFORD40_LAYOUT);
  const splitFile = requirePath(kind, join(root, 'ImageSplits', `${split}.txt`), STANFORD40_LAYOUT);
  const imagesDir = requirePath(kind, join(root, 'JPEGImages'), STANFORD40_LAYOUT, true);

  const classes = readLines(actionsFile)
    .map((l) => l.split(/\s+/)[0])
    .filter((a) => a !== 'action_name');
  if (!classes.length) throw new Error(`${kind}: ${actionsFile} lists no actions. ${STANFORD40_LAYOUT}`);
  const index = new Map(classes.map((c, i) => [c, i]));

  const items = [];
  const skips = new Skips();
  for (const name of readLines(splitFile)) {
    const m = /^(.+)_\d+\.(jpe?g|png)$/i.exec(name);
    if (!m) {
      skips.add(name, 'file name is not <action>_<number>.jpg');
      continue;
    }
    const label = index.get(m[1]);
    if (label === undefined) {
      throw new Error(`${kind}: ${splitFile} lists ${name}, whose action "${m[1]}" is not in ${actionsFile} (${classes.length} actions: ${classes.slice(0, 4).join(', ')}, ...). The class list does not match the data.`);
    }
    items.push(fileItem(name, join(imagesDir, name), label));
  }
  return {
    name: kind,
    kind,
    task: 'activity',
    classes,
    templates: ['a photo of a person {}'],
    promptNames: classes.map((c) => words(c).toLowerCase()),
    items: limitItems(items, opts),
    root,
    annotationSkips: skips,
    notes: [`split ${split}; class index = line of ImageSplits/actions.txt; label from the image file name`],
  };
}
