/* The JNI binding's access to native memory (dev.anvil.abi.JniSupport): what the generated glue of
 * anvil.h's functions cannot give, because Java 17 reaches memory by address only through JNI. */
#include <jni.h>
#include <stdint.h>
#include <string.h>

JNIEXPORT jobject JNICALL Java_dev_anvil_abi_JniSupport_view(JNIEnv* env, jobject self, jlong address, jlong bytes) {
    (void)self;
    return (*env)->NewDirectByteBuffer(env, (void*)(intptr_t)address, bytes);
}

JNIEXPORT jlong JNICALL Java_dev_anvil_abi_JniSupport_address(JNIEnv* env, jobject self, jobject buffer) {
    (void)self;
    return (jlong)(intptr_t)(*env)->GetDirectBufferAddress(env, buffer);
}

JNIEXPORT jlong JNICALL Java_dev_anvil_abi_JniSupport_strlen(JNIEnv* env, jclass cls, jlong string) {
    (void)env;
    (void)cls;
    return (jlong)strlen((const char*)(intptr_t)string);
}
