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
