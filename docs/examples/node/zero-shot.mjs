// Load a checkpoint and classify an image zero-shot: the image against one prompt per class.
// Usage: node zero-shot.mjs <checkpoint.safetensors> [image.png|jpg]
// Without an image, a held-out synthetic one is generated (its true class is printed too).
import { Engine, classifyImage, generateEvalSet, loadCheckpointFile, readImage } from 'focusclip';

const [checkpoint, imagePath] = process.argv.slice(2);
if (!checkpoint) throw new Error('usage: node zero-shot.mjs <checkpoint.safetensors> [image]; write one with train.mjs or `focusclip train`.');
const engine = await Engine.create();
try {
  const { zeroShot, config } = loadCheckpointFile(engine, checkpoint);
  console.log(`model: ${config.preset} ${config.kind}, ${config.vision.imageSize} px, embedding ${config.embedDim}`);

  // The prompts of the held-out "age" task: "a photo of a kid", "... a teenager", ...
  const set = generateEvalSet('age', { seed: 7, count: 1, size: config.vision.imageSize });
  const image = imagePath ? readImage(imagePath) : set.items[0].image;
  const { probs, best } = await classifyImage(zeroShot, image, set.prompts);
  for (const [i, p] of probs.entries()) console.log(`${(100 * p).toFixed(1).padStart(5)} %  ${set.prompts[i]}`);
  console.log(`prediction: ${set.classes[best]}${imagePath ? '' : ` (true class: ${set.classes[set.items[0].label]})`}`);
  const total = probs.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-5 || probs.some((p) => !(p >= 0))) throw new Error(`the probabilities do not form a distribution (sum ${total})`);
} finally {
  engine.destroy();
}
