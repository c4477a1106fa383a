package dev.tandem.xds.bootstrap;

/** One Tandem node's xDS endpoint, as data planes reach it. */
public record XdsPeer(String name, String address, int port) {}
