/** `tf.image`. */
export { adjustContrast } from "../image.js";
export {
  resize,
  flipLeftRight,
  flipUpDown,
  rgbToGrayscale,
  type ResizeMethod,
  type ResizeOptions,
} from "../image-resize.js";
export { cropAndResize, type CropMethod } from "../image-crop.js";
export { extractPatches } from "../image-patches.js";
