/** The Store contract on the embedded backend (PGlite): runs everywhere, no server needed. */
import { storeConformance } from "./store.conformance.ts";

storeConformance("pglite");
