/** `tf.keras.utils`: the progress bar. */
export { Progbar, type ProgbarOptions } from "./progress.js";
