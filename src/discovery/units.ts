// The vocabulary lives in the model, where bridges may read it too; discovery keeps its old path.
export { DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES, allowedStateClass, unitAccepted } from "../model/units.js";
