package io.cairn.spi;

import java.nio.file.Path;

/**
 * One configured checkpoint level, as a {@link Storage} factory sees it
 * ({@code Checkpointer.Builder.storage(...)}): enough to decide where and how the level keeps its files.
 *
 * @param name the level's name as configured (key {@code levels}, e.g. {@code "local"})
 * @param kind {@code "process"}, {@code "memory"}, {@code "local"} or {@code "persistent"}
 * @param path the level's base directory (key {@code level.NAME.path} or its default); null for a
 *     {@code process} level, which has no directory. The run's files go in a directory named after the run below it.
 * @param keep how many committed versions the level keeps (key {@code level.NAME.keep})
 * @param every the level receives every how-manyth checkpoint (key {@code level.NAME.every})
 */
public record LevelInfo(String name, String kind, Path path, int keep, int every) {}
