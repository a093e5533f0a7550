package org.jalloc.cli;

import org.jalloc.core.spi.Sizes;

import picocli.CommandLine;

/** Reads {@code --heap} values: bytes, or K/M/G (powers of 1024). */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            long n = Sizes.parse(value);
            if (n <= 0) {
                throw new CommandLine.TypeConversionException("size must be positive: " + value);
            }
            return n;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(String.valueOf(e.getMessage()));
        }
    }
}
