/** The engine's behaviour suite on the embedded backend (PGlite). */
import { engineBehaviour } from "./worker.behaviour.ts";

engineBehaviour("pglite");
