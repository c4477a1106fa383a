package dev.tandem.fallback;

import java.io.IOException;

/** The store could not be reached or refused a request; the message names the store, the key and why. */
public class StoreException extends IOException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
