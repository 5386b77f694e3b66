package io.cairn;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the fields of an object that {@link Checkpointer#register(Object)} protects: at each checkpoint
 * the values of the marked fields (and the object graphs reachable from them) are captured; a restore
 * sets the fields of the same object again. The object's other fields are left alone. Needs the
 * {@code cairn-objects} module at run time (as {@link Checkpointer#protect(String, Object)} does).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Checkpointed {
}
