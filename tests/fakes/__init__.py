"""Local stand-ins for the services the gateway talks to, as real HTTP servers on 127.0.0.1,
speaking the documented wire formats so the real client libraries can be pointed at them."""
